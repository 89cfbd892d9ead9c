"""The public awareness site (Spanish and English) and the anonymous tip form."""
