"""One home per dataset for the numbers the course takes from it.

Each module (``ggl``, ``broockman``, ``thornton``, ...) loads its dataset with
:func:`reciprocity.data.load` and computes the constants and tables that
chapters, explorers and labs share, so a figure is computed once and quoted
everywhere. Analyses never import explorers.
"""
