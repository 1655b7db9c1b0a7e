"""The Train step: the dial, the plan and estimate, and the run controller."""
