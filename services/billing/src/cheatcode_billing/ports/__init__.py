"""ABCs for every external system this service talks to."""
