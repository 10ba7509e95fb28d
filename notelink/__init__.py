"""notelink: finds which Markdown notes belong together and writes it into them."""

__version__ = "0.1.0"
