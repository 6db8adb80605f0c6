"""beacon-gen: turns a beacon event catalog (YAML) into C code.

model.py holds the catalog model, validate.py loads and checks a catalog,
naming.py decides every C name, render.py produces the files, cli.py writes them.
"""

__version__ = "0.1.0"
