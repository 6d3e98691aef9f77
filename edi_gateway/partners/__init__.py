"""Trading partners, their envelope ids and API keys."""
