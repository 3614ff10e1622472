"""Black-box measurement of a live HTTP/1.1 server's timeouts and limits (`gotriage probe`).

One module per measurement; :mod:`gotriage.probe.runner` runs them concurrently under one
deadline and :mod:`gotriage.probe.verdicts` turns the numbers into verdicts.
"""
