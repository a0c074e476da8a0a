# expect: allow
import logging
import logging.handlers

logger = logging.getLogger("pipeline")
logger.setLevel(logging.INFO)
handler = logging.handlers.RotatingFileHandler("pipeline.log", maxBytes=1_000_000, backupCount=3)
handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
logger.addHandler(handler)


def process(batch: list[int]) -> int:
    logger.info("processing %d items", len(batch))
    total = sum(batch)
    if total > 100:
        logger.warning("large batch total: %d", total)
    return total


process(list(range(20)))
