"""Demo data for Kota Malang."""

from tracker.demo.seed import DemoReport, load_demo

__all__ = ["DemoReport", "load_demo"]
