"""Front end: parsing, name resolution, kernel scope and the Python-subset checks."""
