"""Airlock's Streamlit dashboard over the audit store."""
