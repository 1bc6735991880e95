"""One thin module per Lambda function: parse, call the domain, map errors."""
