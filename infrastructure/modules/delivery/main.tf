# Delivery URLs: the delivery function's own URL (a Lambda Function URL) as the origin, the key
# that signs the URLs, and on AWS a CloudFront distribution in front (origin access control:
# only CloudFront may call the function URL).

data "aws_secretsmanager_random_password" "signing_key" {
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "signing_key" {
  #checkov:skip=CKV_AWS_337:SecureString under the AWS-managed aws/ssm key, as the auth secret
  name        = "/${var.name_prefix}/delivery/signing-keys"
  description = "Keys that sign delivery URLs, one per line: the first signs, every one verifies (rotation: put a new key first, drop the old one two days later)."
  type        = "SecureString"
  value       = data.aws_secretsmanager_random_password.signing_key.random_password
  lifecycle {
    # Generated once; rotation is an operator's edit (docs/delivery.md), never a plan's.
    ignore_changes = [value]
  }
}

resource "aws_lambda_function_url" "origin" {
  #checkov:skip=CKV_AWS_258:behind CloudFront on AWS the URL takes AWS_IAM (origin access control signs for it); on an emulator clients call it too (its distribution's name resolves nowhere), and the signed delivery URL is the authorisation
  function_name      = var.function_name
  authorization_type = var.cdn_enabled && var.emulator_endpoint == null ? "AWS_IAM" : "NONE"
}

locals {
  url_host = regex("^https?://([^/]+)", aws_lambda_function_url.origin.function_url)[0]
  url_id   = split(".", local.url_host)[0]
  # On an emulator, the path form of the function URL (`/_aws/lambda-url/{id}`): the host form
  # needs wildcard DNS that these machines do not have.
  local_base_url = var.emulator_endpoint == null ? null : "${var.emulator_endpoint}/_aws/lambda-url/${local.url_id}"
  cdn_domain     = var.cdn_enabled ? coalesce(var.custom_domain, aws_cloudfront_distribution.cdn[0].domain_name) : null
  # On an emulator the function URL even with a distribution: the distribution's name resolves
  # nowhere (the tests reach it with a Host header).
  base_url = (local.local_base_url != null ? local.local_base_url
    : var.cdn_enabled ? "https://${local.cdn_domain}"
  : trimsuffix(aws_lambda_function_url.origin.function_url, "/"))
}

resource "aws_cloudfront_origin_access_control" "origin" {
  count                             = var.cdn_enabled ? 1 : 0
  name                              = "${var.name_prefix}-delivery"
  description                       = "CloudFront signs its requests to the delivery function URL."
  origin_access_control_origin_type = "lambda"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# The cache key is the path (it carries the job, the signature and the transform) and the format
# class of Accept, normalised by the function's Vary: Accept; nothing else reaches the key.
resource "aws_cloudfront_cache_policy" "renditions" {
  count       = var.cdn_enabled ? 1 : 0
  name        = "${var.name_prefix}-renditions"
  comment     = "Path plus Accept; the origin's max-age, at most the URL's validity."
  min_ttl     = 0
  default_ttl = 86400
  max_ttl     = 172800
  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = false
    enable_accept_encoding_gzip   = false
    cookies_config {
      cookie_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Accept"]
      }
    }
  }
}

# Accept normalised to its format class before the cache key is made (avif, webp, anything else).
resource "aws_cloudfront_function" "accept_class" {
  count   = var.cdn_enabled ? 1 : 0
  name    = "${var.name_prefix}-accept-class"
  runtime = "cloudfront-js-2.0"
  comment = "Accept -> image/avif | image/webp | */*"
  publish = true
  code    = file("${path.module}/functions/accept-class.js")
}

# What the origin sees beyond the cache key: the browser's Origin (CORS) and conditional headers.
resource "aws_cloudfront_origin_request_policy" "renditions" {
  count   = var.cdn_enabled ? 1 : 0
  name    = "${var.name_prefix}-renditions"
  comment = "Origin for CORS; no cookies, no query strings."
  cookies_config {
    cookie_behavior = "none"
  }
  query_strings_config {
    query_string_behavior = "none"
  }
  headers_config {
    header_behavior = "whitelist"
    headers {
      items = ["Origin"]
    }
  }
}

resource "aws_cloudfront_distribution" "cdn" {
  #checkov:skip=CKV_AWS_68:a WAF web ACL is the operator's (var.web_acl_id); signed URLs already refuse what it would
  #checkov:skip=CKV_AWS_86:access logs need a log bucket the operator chooses; the function logs every miss
  #checkov:skip=CKV_AWS_310:one origin: a failover origin would be the same function
  #checkov:skip=CKV_AWS_374:photos are served worldwide; geo restriction is the operator's call
  #checkov:skip=CKV2_AWS_32:image answers carry their own headers (CORS, caching); a response headers policy would override them
  #checkov:skip=CKV2_AWS_47:no Log4j anywhere; the WAF managed rule is the operator's (var.web_acl_id)
  #checkov:skip=CKV2_AWS_42:the default certificate unless custom_domain and its certificate are given
  #checkov:skip=CKV_AWS_305:no root object: every path is a signed image URL, and / answers 404 from the function
  count           = var.cdn_enabled ? 1 : 0
  enabled         = true
  is_ipv6_enabled = true
  # An emulator's distribution is ready at once; AWS takes minutes, which the apply waits for.
  wait_for_deployment = var.emulator_endpoint == null
  comment             = "${var.name_prefix} delivery"
  price_class         = var.price_class
  aliases             = var.custom_domain == null ? [] : [var.custom_domain]
  web_acl_id          = var.web_acl_id

  origin {
    origin_id                = "delivery-function"
    domain_name              = local.url_host
    origin_access_control_id = aws_cloudfront_origin_access_control.origin[0].id
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id         = "delivery-function"
    viewer_protocol_policy   = "redirect-to-https"
    allowed_methods          = ["GET", "HEAD", "OPTIONS"]
    cached_methods           = ["GET", "HEAD"]
    compress                 = false # images are compressed already
    cache_policy_id          = aws_cloudfront_cache_policy.renditions[0].id
    origin_request_policy_id = aws_cloudfront_origin_request_policy.renditions[0].id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.accept_class[0].arn
    }
  }

  # A 403 (forged, expired), 404 (deleted) or 429 (limited) is never cached: the next request,
  # with a fresh URL or after the limit, must reach the function.
  dynamic "custom_error_response" {
    for_each = [403, 404, 429]
    content {
      error_code            = custom_error_response.value
      error_caching_min_ttl = 0
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.certificate_arn == null
    acm_certificate_arn            = var.certificate_arn
    ssl_support_method             = var.certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }
}

# CloudFront, signing with origin access control, is the one caller of the function URL.
resource "aws_lambda_permission" "cloudfront" {
  count         = var.cdn_enabled ? 1 : 0
  statement_id  = "AllowCloudFrontOriginAccess"
  action        = "lambda:InvokeFunctionUrl"
  function_name = var.function_name
  principal     = "cloudfront.amazonaws.com"
  source_arn    = aws_cloudfront_distribution.cdn[0].arn
}
