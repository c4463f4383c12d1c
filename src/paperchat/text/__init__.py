"""Text primitives shared by indexing and answering: sentences, words, stems, numbers."""
