"""The billing service's ports: model prices and the directory of accounts."""
