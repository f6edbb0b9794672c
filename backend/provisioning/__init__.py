"""Provisioning (SPEC §6): the servers customers pay for, created, watched, powered and deleted
through a provider (Hetzner Cloud, DigitalOcean, simulated), with backorders when a provider has no
capacity, and "provision, then bill": billing starts when the server runs."""
