"""Documents served by the sample site: copies of the shared fixtures plus short sample texts."""
