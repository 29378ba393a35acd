"""Media: probe and validate episode masters, encode the HLS ladder (optionally AES-128), posters.

Builders in :mod:`.commands` are pure; :mod:`.runner` is the one place that executes ffmpeg.
"""
