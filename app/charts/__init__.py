"""Charts of the reports as SVG (browsers) and PNG (e-mail), drawn with matplotlib.

matplotlib renders server-side without a browser, writes both formats from one figure, and is
the most widely kept plotting library in Python; its Agg backend needs no display.
"""
