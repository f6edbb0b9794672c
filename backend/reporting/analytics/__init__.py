"""Revenue analytics over documents and money: turnover, receivables, card volume, their lists."""
