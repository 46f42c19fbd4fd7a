"""The product's production settings plus a do-nothing DRF view: the benchmark's yardstick."""
