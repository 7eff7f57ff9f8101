"""The bot: wiring, configuration, scheduling and the command line."""

import os

# PTB 22.2+ returns time spans (RetryAfter.retry_after, ...) as timedelta when this is set, and
# warns on every 429 otherwise; v23 makes it the only behaviour. bot/send.py handles both.
os.environ.setdefault("PTB_TIMEDELTA", "true")
