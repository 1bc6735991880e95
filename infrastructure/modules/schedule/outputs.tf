output "rule_name" {
  value = aws_cloudwatch_event_rule.sweep.name
}
