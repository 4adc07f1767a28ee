// Names on an Application that ask the controller for something; written by the CLI and the API
// server, read by the controller.

/** While present, deleting the Application first deletes the resources it deployed (cascade). */
export const RESOURCES_FINALIZER = 'resources-finalizer.tiphys.dev';

/** A new value asks the controller to compare the Application with Git and the cluster now. */
export const REFRESH_ANNOTATION = 'tiphys.dev/refresh';
