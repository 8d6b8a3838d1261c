"""Adapters that turn files into the dataset: readers, splits, Parquet writer, card, push."""
