"""The MCP front end (`digestbot mcp`): the server and its tool list (server.py) and the Markdown
beside each answer's JSON (markdown.py). The tools' bodies are in handlers/mcp.py. Nothing here
imports python-telegram-bot."""
