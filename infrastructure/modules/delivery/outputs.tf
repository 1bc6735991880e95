output "base_url" {
  description = "What delivery URLs start with: the CDN on AWS, the function URL's path form on an emulator."
  value       = local.base_url
}

output "function_url" {
  description = "The delivery function's own URL (the origin)."
  value       = aws_lambda_function_url.origin.function_url
}

output "function_url_authorization" {
  description = "AWS_IAM behind CloudFront (not public), NONE on an emulator."
  value       = aws_lambda_function_url.origin.authorization_type
}

output "distribution_id" {
  description = "The CloudFront distribution (null without a CDN): a deleted job's paths are invalidated here."
  value       = var.cdn_enabled ? aws_cloudfront_distribution.cdn[0].id : null
}

output "distribution_domain" {
  description = "The distribution's own domain name (null without a CDN)."
  value       = var.cdn_enabled ? aws_cloudfront_distribution.cdn[0].domain_name : null
}

output "distribution_arn" {
  value = var.cdn_enabled ? aws_cloudfront_distribution.cdn[0].arn : null
}

output "signing_key_parameter_name" {
  value = aws_ssm_parameter.signing_key.name
}

output "signing_key_parameter_arn" {
  value = aws_ssm_parameter.signing_key.arn
}

output "cdn" {
  description = "The distribution's shape, asserted on by the terraform tests (null without a CDN)."
  value = var.cdn_enabled ? {
    origin_domain           = one(aws_cloudfront_distribution.cdn[0].origin).domain_name
    origin_access_control   = one(aws_cloudfront_distribution.cdn[0].origin).origin_access_control_id == aws_cloudfront_origin_access_control.origin[0].id
    oac_origin_type         = aws_cloudfront_origin_access_control.origin[0].origin_access_control_origin_type
    oac_signing             = "${aws_cloudfront_origin_access_control.origin[0].signing_behavior}/${aws_cloudfront_origin_access_control.origin[0].signing_protocol}"
    cache_key_headers       = one(one(one(aws_cloudfront_cache_policy.renditions[0].parameters_in_cache_key_and_forwarded_to_origin).headers_config).headers).items
    cache_key_cookies       = one(one(aws_cloudfront_cache_policy.renditions[0].parameters_in_cache_key_and_forwarded_to_origin).cookies_config).cookie_behavior
    cache_key_query_strings = one(one(aws_cloudfront_cache_policy.renditions[0].parameters_in_cache_key_and_forwarded_to_origin).query_strings_config).query_string_behavior
    origin_request_headers  = one(one(aws_cloudfront_origin_request_policy.renditions[0].headers_config).headers).items
    error_caching           = { for e in aws_cloudfront_distribution.cdn[0].custom_error_response : tostring(e.error_code) => e.error_caching_min_ttl }
    viewer_protocol_policy  = one(aws_cloudfront_distribution.cdn[0].default_cache_behavior).viewer_protocol_policy
    accept_normalised = anytrue([
      for f in one(aws_cloudfront_distribution.cdn[0].default_cache_behavior).function_association :
      f.event_type == "viewer-request" && f.function_arn == aws_cloudfront_function.accept_class[0].arn
    ])
    invoke_permission_source = aws_lambda_permission.cloudfront[0].source_arn == aws_cloudfront_distribution.cdn[0].arn
    invoke_permission_action = aws_lambda_permission.cloudfront[0].action
  } : null
}
