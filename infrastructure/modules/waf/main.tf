# A rate-based rule per client address in front of the API's stage: one client, signed in or
# not, cannot use up the stage-wide throttle for everyone. Requests past the limit in any
# five-minute window get 429 until the address slows down.
resource "aws_wafv2_web_acl" "api" {
  #checkov:skip=CKV2_AWS_31:request logging to Firehose or S3 costs money per request; the rule's CloudWatch metrics and sampled requests are on
  #checkov:skip=CKV_AWS_192:the API runs no Java; AWS's managed Log4j rule set is a per-account choice with its own cost
  name        = "${var.name_prefix}-api"
  description = "Per-client-address rate limit for the photopipe API."
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  custom_response_body {
    key          = "rate-limited"
    content_type = "APPLICATION_JSON"
    content      = jsonencode({ error = { code = "RATE_LIMITED", message = "Too many requests from this address; slow down." } })
  }

  rule {
    name     = "per-client-address"
    priority = 1

    action {
      block {
        custom_response {
          response_code            = 429
          custom_response_body_key = "rate-limited"
          response_header {
            name  = "Retry-After"
            value = "60"
          }
        }
      }
    }

    statement {
      rate_based_statement {
        limit = var.requests_per_five_minutes
        # Behind a proxy or CDN the client's address is in a forwarded header, not the source.
        aggregate_key_type = var.forwarded_ip_header == null ? "IP" : "FORWARDED_IP"
        dynamic "forwarded_ip_config" {
          for_each = var.forwarded_ip_header == null ? [] : [var.forwarded_ip_header]
          content {
            header_name       = forwarded_ip_config.value
            fallback_behavior = "MATCH"
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-api-per-client-address"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name_prefix}-api"
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "api" {
  resource_arn = var.stage_arn
  web_acl_arn  = aws_wafv2_web_acl.api.arn
}
