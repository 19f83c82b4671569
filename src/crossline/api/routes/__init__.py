"""One router per area; each handler is a few lines around one service call."""
