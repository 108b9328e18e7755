"""Reading and writing files: CRM tables, policy, plan directories."""
