// Intentionally empty: the startup benchmark times node with and without the agent.
