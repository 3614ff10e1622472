"""``gotriage doctor``: gather every kind of evidence a service offers, run the existing
analyses on it, and join their findings into diagnoses confirmed from several sides."""
