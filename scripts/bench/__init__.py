"""`make bench` (`python -m bench`): numbers a user can reproduce, written as JSON and printed as a table.

Sections, a module each (each can be skipped with --skip NAME):
  engine    the worker's engine vs naive Pillow vs libvips thumbnail on a 12 MP JPEG, the same
            photo in Display P3 (the cost of colour management), and peak memory for a 48 MP
            input (a separate process, so the reading is its own)
  isolation what rendering in a child process costs: the same 12 MP render in-process and
            through a warm render child, and a new child's first photo
  colour    colour error (delta E) of the tests' wide-gamut and CMYK samples, before and after
  ondevice  the on-device models (faces, moderation, text): ms per photo on one core, each
            model's first-photo load time, the worker's layer sizes, and accuracy on the tests'
            labelled sets
  edits     the on-device model edits (removeBackground, blurBackground, redactFaces) on one core,
            the subject mask's mean IoU on the tests' labelled set, the worker's unzipped size
  quality   bytes and SSIM (against a float reference downscale) of each default variant next
            to libvips' `thumbnail` at its defaults, and the JPEG quality sweep behind our setting
  latency   warm API calls (health, a job in flight, a finished job) and a 12 MP photo's one small
            variant seen by a client polling every 20 ms (analysis off)
  upload    a 40 MB photo in one PUT against in 8 MiB parts (two at once, then the complete)
  delivery  a delivery URL: cache hit, first render of w_1080,f_webp from a 12 MP photo's
            stored variants, and f_auto's AVIF bytes next to the JPEG of the same transform
  pipeline  upload-to-COMPLETED latency over sequential jobs next to the worker's own time
  burst     throughput of a burst of uploads next to the engine's raw throughput on this machine
  cold      import time of each handler, and first-invoke time after a configuration update
  deploy    Lambda zip sizes, no-op `make up`, code-only redeploy (and cold `make up` with --cold)
  memory    peak RSS of the worst input and the worst edit chain the worker accepts, next to the
            memory budget's estimate and the function's memory (a process each)
  cost      US dollars per 1,000 photos on AWS at list prices (dated): the pipeline section's
            worker time at the functions' AWS memory, plus the calls each photo makes
Timings live here, never in test asserts.
"""
