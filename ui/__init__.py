"""Streamlit-side helpers shared by Home.py and the pages (core/ never imports Streamlit)."""
