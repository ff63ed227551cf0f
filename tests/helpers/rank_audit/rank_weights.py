"""Test helper: a fingerprint of a model's weights, so that a test can compare the ranks of a launch with each
other and with the saved and the start model. sitecustomize.py records each rank's after ``Trainer.train``."""

import hashlib


def fingerprint(model) -> str:
    """sha256 over every parameter's name, dtype, shape and bytes, in the model's own order."""
    import torch

    digest = hashlib.sha256()
    for name, param in model.named_parameters():
        tensor = param.detach().cpu().contiguous()
        digest.update(f"{name} {tensor.dtype} {tuple(tensor.shape)}\n".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
