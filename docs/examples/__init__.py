"""The README's examples, one module each; see README.md in this directory."""
