"""On-device analysis: models that ship inside PyPI wheels and run on the worker's CPU, offline.

Moderation (providers/nsfw.py) runs first, so a rejected photo costs no more; then faces, then
text where the deployment enables it (providers/ocr.py). All of them read the sRGB preview the
engine already made.

Faces: providers/faces.py (BlazeFace, run by LiteRT). Edits: removeBackground and blurBackground
with the subject mask of providers/subject.py (U²-Net-p), redactFaces with the face detector.

numpy, LiteRT and ONNX Runtime are imported with the first photo: the sweeper builds the same
processing service without the worker's layer, and never analyses.
"""

from __future__ import annotations

from PIL import Image

from photopipe.images.edits import BlurBackgroundEdit, Edit, RedactFacesEdit, RemoveBackgroundEdit, apply_edit
from photopipe.images.provider import Analysis
from photopipe.providers import redaction
from photopipe.providers.faces import FaceDetector
from photopipe.providers.local import LocalProvider
from photopipe.providers.moderation import ModerationPolicy
from photopipe.providers.nsfw import NsfwClassifier
from photopipe.providers.ocr import TextReader
from photopipe.providers.subject import SubjectMasker

# The preview the engine makes for this provider: faces of 2% of the longer side still cover
# a few pixels of the 192 px model input, and the local analysis reduces it again.
PREVIEW_SIDE = 768


class OnDeviceProvider:
    name = "ondevice"
    preview_side = PREVIEW_SIDE

    def __init__(
        self,
        policy: ModerationPolicy,
        faces: FaceDetector | None = None,
        moderation: NsfwClassifier | None = None,
        text: TextReader | None = None,
        subject: SubjectMasker | None = None,
    ) -> None:
        """`text` None: the deployment does not read text."""
        self._policy = policy
        self._faces = faces or FaceDetector()
        self._moderation = moderation or NsfwClassifier()
        self._text = text
        self._local = LocalProvider()
        self._subject = subject or SubjectMasker()

    def analyse(self, image: Image.Image) -> Analysis:
        moderation = self._moderation.labels(image)
        self._policy.enforce(moderation)
        analysis = self._local.analyse(image)
        analysis["provider"] = self.name
        analysis["moderation"] = moderation
        analysis["faces"] = self._faces.detect(image)
        if self._text is not None:
            analysis["text"] = self._text.read(image)
        return analysis

    def edit(self, image: Image.Image, edit: Edit) -> Image.Image:
        if isinstance(edit, RemoveBackgroundEdit):
            return self._subject.remove_background(image, edit.background)
        if isinstance(edit, BlurBackgroundEdit):
            return self._subject.blur_background(image, float(edit.radius))
        if isinstance(edit, RedactFacesEdit):
            return redaction.redact(image, self._faces.detect(redaction.detection_copy(image)), edit.style)
        return apply_edit(image, edit)
