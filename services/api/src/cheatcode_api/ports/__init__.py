"""Ports: the ABCs for every external system the API talks to."""
