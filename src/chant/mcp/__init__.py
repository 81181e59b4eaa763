"""``chant mcp``: the Model Context Protocol server (the only importer of the ``mcp`` SDK).

``server.py`` builds the server; the tools are adapters over the same library calls as the CLI, one module
per family (``tools_read``, ``tools_write``, ``tools_run``); ``paging.py`` keeps every result within a
declared budget; ``resources.py`` serves specs, the status and the drift report as resources.
"""
