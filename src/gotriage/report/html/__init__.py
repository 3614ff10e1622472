"""Self-contained HTML reports: one file, no JavaScript, nothing fetched when opened.

:mod:`.page` holds the shared shell (styles for light, dark and print, a Content-Security-Policy
that forbids scripts and remote loads), :mod:`.charts` the server-rendered SVG charts, and
one module per command renders its report. Every text taken from input goes through
:func:`.page.esc`."""
