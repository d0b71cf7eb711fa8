"""The pictures: graphs drawn, the chain rule written out step by step, and the stepper page."""
