"""Reference data: regions and provinces of Peru (INEI ubigeo) and forms of exploitation."""
