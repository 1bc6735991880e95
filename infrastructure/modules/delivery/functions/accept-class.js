// Viewer request: Accept reduced to the format class f_auto decides on, so the cache key holds
// three values instead of every browser's own Accept string (delivery/transforms.py, accept_class).
function handler(event) {
  var request = event.request;
  var accept = request.headers.accept ? request.headers.accept.value.toLowerCase() : "";
  var value = accept.indexOf("image/avif") !== -1 ? "image/avif"
    : accept.indexOf("image/webp") !== -1 ? "image/webp" : "*/*";
  request.headers.accept = { value: value };
  return request;
}
