"""The viewer app: the HTML shell, its ES modules, styles and language catalogs."""
