"""Every boto3 call lives here, behind the domain's ports."""
