"""Clients (issue 24): campaign sets grouped by the client they are for (Dotoro's team and ad
account, named from the settings), each set's state in an account manager's words."""
