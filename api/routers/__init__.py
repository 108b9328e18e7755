"""Thin routers: parse, check the key, call a service, shape the answer."""
