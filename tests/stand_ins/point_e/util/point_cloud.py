from dataclasses import dataclass


@dataclass
class PointCloud:
    coords: object
    channels: dict
