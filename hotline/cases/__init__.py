"""Cases: Case, Person (victim / suspect / witness / caller), notes, workflow, history and search."""
