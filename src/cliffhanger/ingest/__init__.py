"""Layer 4: the episode pipeline that writes rows: a master in, the HLS ladder packaged by the pure
`media` package, the episode ready."""
