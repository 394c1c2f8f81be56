"""Dashboard accounts: the local user store (each user bound to one account of the hierarchy) and its command line.

Not part of the ETL: the ETL loads submissions; who may sign in to the dashboard is the dashboard's business.
"""
