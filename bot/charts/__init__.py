"""PNG charts drawn with matplotlib's Agg backend in a worker process.

``spec`` holds what a chart shows (plain, picklable data, every label already in the reader's language);
``draw`` draws it (matplotlib is imported there, in the worker only); ``pool`` runs the drawing off the
event loop. Importing this package does not import matplotlib: the bot starts as fast as before.
"""
