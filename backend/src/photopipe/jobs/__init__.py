"""The job: its states, its storage keys and the service that moves it forward."""
