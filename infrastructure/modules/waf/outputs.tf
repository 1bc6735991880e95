output "web_acl_arn" {
  description = "ARN of the API's web ACL."
  value       = aws_wafv2_web_acl.api.arn
}

output "rate_rule" {
  description = "The per-address rule's limit and what it counts by."
  value = {
    limit              = one(one(aws_wafv2_web_acl.api.rule).statement[0].rate_based_statement).limit
    aggregate_key_type = one(one(aws_wafv2_web_acl.api.rule).statement[0].rate_based_statement).aggregate_key_type
    resource_arn       = aws_wafv2_web_acl_association.api.resource_arn
  }
}
