"""One module per audit rule; :mod:`gotriage.audit.registry` discovers them."""
